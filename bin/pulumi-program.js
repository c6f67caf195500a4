// The entry point the Pulumi engine runs (package.json "main"). It loads index.ts through
// sucrase's TypeScript transform: no type-check and no TypeScript compiler on every preview and
// up (CI type-checks with `npm run build`). Plain JavaScript, so it works with any Node.js
// language host, whatever runtime options that host understands.
require("sucrase/register/ts");
module.exports = require("../index.ts");
