// The port `sagesim serve` listens on by default, apart from the server so the CLI can name it
// without loading the server.
export const DEFAULT_SERVE_PORT = 4566;
