// The port `sagesim serve` listens on by default, apart from the server so the CLI can name it
// without loading the server. Not LocalStack's 4566, so both run side by side (LocalStack stays an
// `--s3-endpoint http://127.0.0.1:4566` away).
export const DEFAULT_SERVE_PORT = 8577;
