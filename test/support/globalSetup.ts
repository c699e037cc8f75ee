import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../scripts/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    storageConnection: string;
  }
}

/** One Azurite (in memory, free ports) for the whole run; every test file shares it. */
export default async function setup(project: TestProject) {
  const azurite = await startAzurite();
  project.provide('storageConnection', azurite.connectionString);
  return () => azurite.stop();
}
