#!/usr/bin/env node
// Runs bin/render.ts without a type-check (CI type-checks with `npm run build`), so rendering a
// stack costs a transpile, not a compile.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("./render.ts");
