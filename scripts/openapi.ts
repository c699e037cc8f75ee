import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../shared/openapi';

/** Regenerates openapi.json from the zod schemas. */
writeFileSync(join(__dirname, '..', 'openapi.json'), `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log('wrote openapi.json');
