#!/usr/bin/env node
// Runs bin/render.ts through sucrase's TypeScript transform: no type-check (CI type-checks with
// `npm run build`) and no TypeScript compiler to load, so rendering a stack takes about a second.
require("sucrase/register/ts");
require("./render.ts");
