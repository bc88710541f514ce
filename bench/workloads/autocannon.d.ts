/** The part of autocannon's API (it ships no types) that http-client.ts uses. */
declare module "autocannon" {
  interface Options {
    url: string;
    connections: number;
    duration: number;
    pipelining: number;
  }
  interface Result {
    requests: { total: number; average: number };
    non2xx: number;
    errors: number;
  }
  function autocannon(options: Options, done: (err: Error | null, result: Result) => void): unknown;
  export default autocannon;
}
