#!/usr/bin/env node
/**
 * Render kernel snippets straight from the TypeScript sources (no build):
 * `src/snippets/index.ts` is transpiled on the fly with the repo's
 * `typescript` package. Used by tests/openbao/test_snippets_run.py.
 *
 * Usage: `node tests/snippets/render.cjs < requests.json`, where the input is
 * a JSON array of `{"template": "python" | "python-env" | "r" | "bash" | "cli",
 * "ref": ISecretRef}` (`cli`: the copy-CLI command line). Prints a JSON array, one entry per request, in order:
 * `{"code": string, "var": string}` (`var` is the identifier the snippet
 * assigns, `identifierFor` in the template's quoting) or `{"error": string}`.
 * `{"template": "s3", "ref": {"language", "target"}}` renders the object
 * storage snippet of `src/s3/snippets.ts` (`var` is empty).
 */
'use strict';

const fs = require('fs');
const Module = require('module');
const path = require('path');
const ts = require('typescript');

// Compile `.ts` files to CommonJS when they are required.
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2020,
      esModuleInterop: true
    },
    fileName: filename
  });
  module._compile(outputText, filename);
};

// Resolve extension-less relative imports (`./render`) to `./render.ts`.
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith('.') && parent?.filename?.endsWith('.ts')) {
    const candidate = path.resolve(path.dirname(parent.filename), request);
    if (fs.existsSync(`${candidate}.ts`)) {
      return `${candidate}.ts`;
    }
  }
  return resolve.call(this, request, parent, ...rest);
};

const snippets = require('../../src/snippets/index.ts');
const s3 = require('../../src/s3/snippets.ts');

/** The quoting of a built-in template id (for the variable name). */
function quotingOf(template) {
  const builtin = snippets.BUILTIN_TEMPLATES.find(t => t.id === template);
  return builtin ? builtin.quoting : 'python';
}

const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = requests.map(({ template, ref }) => {
  try {
    if (template === 's3') {
      return { code: s3.s3Snippet(ref.language, ref.target), var: '' };
    }
    if (template === 'cli') {
      return { code: snippets.cliCommand(ref), var: '' };
    }
    const snippet = snippets.snippetFor(template, ref);
    if (snippet === null) {
      return { error: `no template ${JSON.stringify(template)}` };
    }
    return {
      code: snippet.code,
      var: snippets.identifierFor(ref, quotingOf(template))
    };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(results));
