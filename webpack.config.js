// Merged into @jupyter/builder's configuration (package.json `jupyterlab.webpackConfig`).
//
// The snippet renderer is loaded on first use by two lazy chunks (the snippet actions and the
// Settings Editor's templates field): with webpack's default minimum (20 KB before
// minification) each would carry its own copy; from 10 KB such shared modules get one chunk of
// their own. Packages from node_modules keep the default (jose stays in the start-up chunk).
//
// third-party-licenses.json (written by the builder's license plugin) should name every bundled
// package with its license text, but that plugin misses modules rspack concatenated (jose was not
// listed) and packages without a LICENSE file (qrcode-generator states its MIT licence and copyright
// in the head comment of its main file; the minified code loses it). LicenseNoticesPlugin adds every
// package the compilation's modules come from, with the text of its LICENSE file, or for such an MIT
// package that comment and the MIT licence's text with its copyright line. The packaging check
// (scripts/check_licenses.py) fails on a bundled package left out or without text.
const fs = require('fs');
const path = require('path');

const REPORT = 'third-party-licenses.json';

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

/**
 * The licence text of an MIT package without a LICENSE file (in `dir`, its package.json `meta`),
 * from its main file's head comment.
 */
function mitNoticeOf(dir, meta) {
  const main = meta.main || 'index.js';
  const lines = fs.readFileSync(path.join(dir, main), 'utf8').split('\n');
  const head = [];
  for (const line of lines) {
    if (!line.startsWith('//')) {
      break;
    }
    head.push(line.replace(/^\/\/ ?/, ''));
  }
  const copyright = head.find(line => /^Copyright \(c\)/i.test(line.trim()));
  if (!copyright || !head.some(line => /MIT license/i.test(line))) {
    return '';
  }
  return `${head.join('\n').trim()}\n\nMIT License\n\n${copyright.trim()}\n\n${MIT}\n`;
}

/** The package a module's file belongs to (from its node_modules path), or null. */
function packageOf(resource) {
  const at = resource.lastIndexOf('node_modules/');
  if (at < 0) {
    return null;
  }
  const parts = resource.slice(at + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** A bundled package's report entry: its licence id and text. */
function entryOf(name) {
  // (read from node_modules: a package's "exports" may hide its package.json)
  const dir = path.join(__dirname, 'node_modules', name);
  const meta = JSON.parse(
    fs.readFileSync(path.join(dir, 'package.json'), 'utf8')
  );
  const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license']
    .map(candidate => path.join(dir, candidate))
    .find(candidate => fs.existsSync(candidate));
  const text = file
    ? fs.readFileSync(file, 'utf8')
    : meta.license === 'MIT'
      ? mitNoticeOf(dir, meta)
      : '';
  return {
    name,
    versionInfo: meta.version,
    licenseId: meta.license || '',
    extractedText: text
  };
}

/** The packages of the compilation's modules, concatenated ones' included. */
function bundledPackages(compilation) {
  const names = new Set();
  const visit = module => {
    const resource = module.resource || '';
    const name = resource && packageOf(resource.replace(/\\/g, '/'));
    if (name) {
      names.add(name);
    }
    for (const inner of module.modules || []) {
      visit(inner);
    }
  };
  for (const module of compilation.modules) {
    visit(module);
  }
  return names;
}

class LicenseNoticesPlugin {
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap('LicenseNoticesPlugin', compilation => {
      compilation.hooks.processAssets.tap(
        // After the license plugin writes the report (its stage 5001).
        { name: 'LicenseNoticesPlugin', stage: 5002 },
        () => {
          const asset = compilation.getAsset(REPORT);
          if (!asset) {
            return; // development builds have no report
          }
          const report = JSON.parse(asset.source.source().toString());
          const listed = new Map(
            report.packages.map(entry => [entry.name, entry])
          );
          for (const name of bundledPackages(compilation)) {
            const entry = listed.get(name);
            if (!entry) {
              listed.set(name, entryOf(name));
            } else if (!entry.extractedText) {
              entry.extractedText = entryOf(name).extractedText;
            }
          }
          report.packages = [...listed.values()].sort((a, b) =>
            a.name.localeCompare(b.name)
          );
          compilation.updateAsset(
            REPORT,
            new RawSource(JSON.stringify(report, null, 2))
          );
        }
      );
    });
  }
}

module.exports = {
  optimization: {
    splitChunks: {
      cacheGroups: {
        default: {
          minChunks: 2,
          minSize: 10000,
          priority: -20,
          reuseExistingChunk: true
        }
      }
    }
  },
  plugins: [new LicenseNoticesPlugin()]
};
