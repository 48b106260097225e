export interface ApiOpts {
  /** Serve the API at all. */
  enabled: boolean;
  /** Interface to bind; loopback by default — put a reverse proxy in front to expose it. */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
}

export const defaultApiOpts: ApiOpts = { enabled: true, host: "127.0.0.1", port: 9464 };
