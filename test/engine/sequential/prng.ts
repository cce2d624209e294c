// the bench's seeded PRNG (mulberry32), so the simulation tests are reproducible
export { prng as mulberry32 } from '../../../src/bench/seeded-random.js';
