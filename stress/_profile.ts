// How hard the stress suite pushes. `TOKIO_NET_STRESS=full` (npm run test:stress) is the profile
// whose figures go in the README; anything else is the short profile `.ci/run` uses.
export const profile: 'full' | 'short' = process.env.TOKIO_NET_STRESS === 'full' ? 'full' : 'short'

/** `short` under the short profile, `full` under the full one. */
export function pick<T>(short: T, full: T): T {
  return profile === 'full' ? full : short
}
