// The stress suite (`npm run test:stress`, `npm run test:stress:short`): load, soak, faults,
// hostile input, cancellation storms. Kept apart from `npm test` so the unit suite stays quick.
export default {
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  files: ['stress/**/*.spec.ts'],
  // Files run one at a time: each one loads the machine on its own.
  concurrency: 1,
  timeout: '20m',
  workerThreads: false,
}
