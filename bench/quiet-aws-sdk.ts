// Imported first by the benchmark entry points: the AWS SDK's notice that its future releases
// need Node 22 would otherwise interleave with the measurements (the CLI launcher does the same).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
