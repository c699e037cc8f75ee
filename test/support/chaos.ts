import type { Behaviour } from './receiver';

/** mulberry32: a small seeded PRNG, so a failing fault run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Faulty receiver answers: 500, a hang past the timeout, a reset, 204, 301, or a real 200. */
export function chaos(random: () => number): () => Behaviour {
  const menu: [number, Behaviour][] = [
    [0.4, 200],
    [0.15, 500],
    [0.1, 'hang'],
    [0.1, 'reset'],
    [0.1, 204],
    [0.15, { redirect: 'http://127.0.0.1:9/elsewhere', status: 301 }],
  ];
  return () => {
    let roll = random();
    for (const [weight, behaviour] of menu) {
      if ((roll -= weight) < 0) return behaviour;
    }
    return 200;
  };
}

export function label(b: Behaviour): string {
  return typeof b === 'object' ? String(b.status ?? 301) : String(b);
}
