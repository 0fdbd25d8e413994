/// <reference types="node" />

/**
 * Property-based tests of the snippet module: hostile names (quotes,
 * backslashes, newlines, NUL, astral characters, lone surrogates, shell
 * metacharacters, template braces, long strings) as address, namespace,
 * mount, path, key and CA path; every snippet rendered here is validated out
 * of process, in one batch per language, by the real parsers:
 * tests/snippets/check_python.py (ast), check_bash.py (bash -n, a printf
 * round trip, shlex) and check_r.R (parse), which also check that every
 * line is printable (ASCII for bash and R). The names include every C0 and
 * C1 control but NUL, DEL, line and paragraph separators, format characters
 * (bidi marks and overrides, zero-width, BOM) and names that ran code in a
 * bash kernel before (`x<Ctrl-U>touch CANARY #`). The bash snippets and CLI
 * commands of the first SNIPPET_INTERACTIVE_RUNS references (default 500)
 * also run through the interactive shell of a bash kernel
 * (check_bash_interactive.py: bash_kernel's pexpect wrapper feeding each
 * line to readline), calling fake `vault`/`bao` functions that record their
 * argv: it must be byte for byte the names, and nothing else may run. The
 * first counterexample fails the test with its input and code.
 *
 * SNIPPET_PROPERTY_RUNS (default 20000 secret references, about 108,000
 * names) and SNIPPET_PROPERTY_SEED change the sample; SNIPPET_PROPERTY_KEEP=1
 * keeps the batch files (their directory is printed). Without Rscript the R
 * test is skipped locally and fails when CI=true.
 */

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TextEncoder } from 'util';

import fc from 'fast-check';

import {
  ISecretRef,
  SnippetError,
  cliCommand,
  envVarName,
  identifierFor,
  renderTemplate,
  shellQuote,
  snippetFor
} from './index';

const ROOT = path.resolve(__dirname, '..', '..');
const CHECKERS = path.join(ROOT, 'tests', 'snippets');
const RUNS = Number(process.env.SNIPPET_PROPERTY_RUNS ?? 20_000);
const INTERACTIVE_RUNS = Number(process.env.SNIPPET_INTERACTIVE_RUNS ?? 500);
const SEED = Number(process.env.SNIPPET_PROPERTY_SEED ?? 20_240_611);
const MIN_NAMES = 100_000;
/**
 * How long a checker may take: the five run at once beside the other jest
 * workers, and on a busy 2-core machine each takes several times its CPU
 * time (python-env: about 13 s of CPU for 20,000 snippets).
 */
const TIMEOUT_MS = 360_000;

/** Pieces hostile names are made of. */
const PIECES = [
  "'", '"', "'''", '"""', '\\', '\\\\', "\\'", '\n', '\r', '\r\n', '\t', ' ',
  '${', '}', '${HOME}', '$(', ')', '$(id)', '`', '`id`', '$', '$1', '$@',
  '#', '%', '%s', '%%', ';', '&&', '||', '|', '>', '<', '*', '?', '[', ']',
  '~', '!', '!!', '=', '-', '--', '-field=x', '/', '//', '.', '..', ',',
  '+', ':', '@', '^', '&', '{{', '}}', '{{path}}', '{{#key}}', '\\x00',
  '\\u{41}', '\\n', '\\U0001F600', 'é', 'ß', 'İ', 'ﬁ', 'ǅ', '😀', '𝔘',
  '\u{10FFFF}', '\u{E0001}', '\u202e', '\u2028', '\u2029', '\ufeff',
  '\u00a0', '\u0085', '\x7f', '\x1b[31m', '\x01', '\x0b', '\x0c', 'a', 'Z',
  '0', '9', '_', 'if', 'class', 'None', 'NULL', 'TRUE', 'function', 'done',
  'r"(', ')"', "')", '#{', 'import os', 'def', '\\\n', '"; rm -rf /; "',
  ...invisible(),
  // Names that ran code or read another key in a bash kernel (issue 11).
  'x\x15touch CANARY #', '\x15touch CANARY #', '$(touch CANARY)',
  '`touch CANARY`', ';touch CANARY;', '\ntouch CANARY\n', "'\x15'"
]; // prettier-ignore

/**
 * Characters that do not show as they are: every C0 control but NUL, DEL,
 * every C1 control, line and paragraph separators, format characters (soft
 * hyphen, bidi marks, embeddings, overrides and isolates, zero-width ones,
 * word joiner, invisible operators, BOM, interlinear annotation, tags), a
 * no-break and an ideographic space, a private-use character.
 */
function invisible(): string[] {
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) =>
      String.fromCodePoint(from + i)
    );
  return [
    ...range(0x01, 0x1f),
    '\x7f',
    ...range(0x80, 0x9f),
    '\u2028', '\u2029', '\u00ad', '\u061c', '\u180e',
    ...range(0x200b, 0x200f),
    ...range(0x202a, 0x202e),
    ...range(0x2060, 0x2064),
    ...range(0x2066, 0x2069),
    '\ufeff', '\ufff9', '\ufffa', '\ufffb', '\u{e0001}', '\u{e007f}',
    '\u00a0', '\u3000', '\ue000'
  ]; // prettier-ignore
}

/** Characters no R string or shell argument can hold: only Python takes them. */
const UNENCODABLE = ['\0', '\ud800', '\udfff', '\udc00x', 'x\udbff'];

/** One hostile name every language can hold. */
const encodable: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map(join)
  },
  {
    weight: 3,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 24 })
      .map(text => text.replace(/\0/g, ''))
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...PIECES), { minLength: 100, maxLength: 300 })
      .map(join)
  }
);

/** One hostile name, now and then with a NUL or a lone surrogate. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: encodable },
  {
    weight: 1,
    arbitrary: fc
      .tuple(encodable, fc.constantFrom(...UNENCODABLE), encodable)
      .map(join)
  }
);

function join(parts: string[]): string {
  return parts.join('');
}

/** A secret reference made of hostile names. */
const secretRef: fc.Arbitrary<ISecretRef> = fc.record({
  address: hostile,
  namespace: fc.option(hostile, { freq: 5 }),
  mount: hostile,
  path: hostile,
  key: fc.option(hostile, { freq: 5 }),
  version: fc.constantFrom<1 | 2>(1, 2),
  caCert: fc.option(hostile, { freq: 5 }),
  tlsVerify: fc.boolean(),
  cli: fc.constantFrom<'vault' | 'bao'>('vault', 'bao')
});

/** The fields a snippet shows, in the checkers' order. */
const FIELDS = ['address', 'namespace', 'mount', 'path', 'key', 'ca'] as const;
type Field = (typeof FIELDS)[number];
interface IValues extends Record<Field, string | null> {
  address: string;
  mount: string;
  path: string;
}

/** What each sentinel of a reference rendering stands for. */
const SENTINELS: Record<string, Field> = {
  '@@address@@': 'address',
  '@@namespace@@': 'namespace',
  '@@mount@@': 'mount',
  '@@path@@': 'path',
  '@@key@@': 'key',
  '@@ca@@': 'ca'
};

/** The values the renderer must show for `ref` (its documented normalisation). */
function valuesOf(ref: ISecretRef): IValues {
  return {
    address: ref.address.replace(/\/+$/, ''),
    namespace: ref.namespace === '' ? null : ref.namespace,
    mount: ref.mount.replace(/\/+$/, ''),
    path: ref.path,
    key: ref.key,
    ca: ref.caCert === '' ? null : ref.caCert
  };
}

/** The shape of `ref`: what decides which parts of a template render. */
function shapeOf(ref: ISecretRef): string {
  const v = valuesOf(ref);
  return [
    v.namespace !== null,
    v.key !== null,
    v.ca !== null,
    ref.tlsVerify,
    ref.version,
    ref.cli
  ].join(',');
}

/** `ref` with its names replaced by sentinels, same shape. */
function sentinelRef(ref: ISecretRef): ISecretRef {
  const v = valuesOf(ref);
  return {
    ...ref,
    address: '@@address@@',
    namespace: v.namespace === null ? null : '@@namespace@@',
    mount: '@@mount@@',
    path: '@@path@@',
    key: v.key === null ? null : '@@key@@',
    caCert: v.ca === null ? null : '@@ca@@'
  };
}

/** Whether `value` holds something only Python can write. */
function unencodable(value: string | null): boolean {
  if (value === null) {
    return false;
  }
  const withoutPairs = value.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '');
  return value.includes('\0') || /[\uD800-\uDFFF]/.test(withoutPairs);
}

/** The values the R and bash snippets and the CLI command use. */
function usedValues(ref: ISecretRef): (string | null)[] {
  const v = valuesOf(ref);
  return [
    v.address,
    v.namespace,
    v.mount,
    v.path,
    v.key,
    ref.tlsVerify ? v.ca : null
  ];
}

/** Rendering that must throw SnippetError('unsupported_value'); else its result. */
function renderOrRefuse(
  mustRefuse: boolean,
  render: () => string
): string | null {
  if (!mustRefuse) {
    return render();
  }
  let error: unknown = null;
  try {
    render();
  } catch (err) {
    error = err;
  }
  if (!(error instanceof SnippetError) || error.code !== 'unsupported_value') {
    throw new Error(`expected a refusal, got ${String(error)}`);
  }
  return null;
}

/**
 * The argv the CLI gets from the bash snippet (`-format=json` for a whole
 * secret) or from `cliCommand(ref)`.
 */
function cliCall(ref: ISecretRef, snippet: boolean): string[] {
  const v = valuesOf(ref);
  const whole = snippet ? ['-format=json'] : [];
  return [
    ref.cli,
    'kv',
    'get',
    ...(v.namespace === null ? [] : [`-namespace=${v.namespace}`]),
    `-mount=${v.mount}`,
    ...(v.key === null ? whole : [`-field=${v.key}`]),
    '--',
    v.path
  ];
}

/** The expected argv of `cliCommand(ref)`, its variable assignments first. */
function cliArgv(ref: ISecretRef): string[] {
  const v = valuesOf(ref);
  const env = ref.cli === 'bao' ? 'BAO' : 'VAULT';
  const tls: string[] = ref.tlsVerify
    ? v.ca === null
      ? []
      : [`${env}_CACERT=${v.ca}`]
    : [`${env}_SKIP_VERIFY=true`];
  return [`${env}_ADDR=${v.address}`, ...tls, ...cliCall(ref, false)];
}

/** An item of check_bash_interactive.py's batch. */
function interactiveItem(
  id: string,
  code: string,
  ref: ISecretRef,
  snippet: boolean
): Record<string, unknown> {
  const v = valuesOf(ref);
  return {
    id,
    code,
    argv: cliCall(ref, snippet),
    addr: v.address,
    ca: v.ca,
    verify: ref.tlsVerify,
    ca_dir_test: snippet
  };
}

const ROUNDTRIP =
  "printf '%s\\0' {{address}} {{namespace}} {{mount}} {{path}} {{key}} {{ca_path}}";

/** Everything generated, per language, and how to find a record's input. */
interface IGenerated {
  names: number;
  refs: ISecretRef[];
  python: { records: any[]; references: Record<string, any> };
  r: { records: any[]; references: Record<string, any>; refused: number };
  bash: {
    syntax: any[];
    roundtrip: any[];
    argv: any[];
    vars: any[];
    refused: number;
  };
  interactive: any[];
  code: Map<string, string>;
}

function generate(): IGenerated {
  const refs = fc.sample(secretRef, { numRuns: RUNS, seed: SEED });
  const out: IGenerated = {
    names: 0,
    refs,
    python: { records: [], references: {} },
    r: { records: [], references: {}, refused: 0 },
    bash: { syntax: [], roundtrip: [], argv: [], vars: [], refused: 0 },
    interactive: [],
    code: new Map()
  };
  const reference = (
    table: Record<string, any>,
    template: string,
    ref: ISecretRef,
    quoting: 'python' | 'r'
  ): string => {
    const id = `${template}:${shapeOf(ref)}`;
    if (!(id in table)) {
      const sentinel = sentinelRef(ref);
      table[id] = {
        code: snippetFor(template, sentinel)!.code,
        var: identifierFor(sentinel, quoting),
        env: envVarName(sentinel.key ?? '@@path@@')
      };
    }
    return id;
  };
  refs.forEach((ref, index) => {
    const values = valuesOf(ref);
    out.names += [
      ref.address,
      ref.namespace,
      ref.mount,
      ref.path,
      ref.key,
      ref.caCert
    ].filter(value => value !== null).length;

    for (const template of ['python', 'python-env']) {
      const id = `${index}:${template}`;
      const code = snippetFor(template, ref)!.code;
      out.code.set(id, code);
      out.python.records.push({
        id,
        code,
        reference: reference(out.python.references, template, ref, 'python'),
        var: identifierFor(ref, 'python'),
        values
      });
    }

    const refuse = usedValues(ref).some(unencodable);
    const rCode = renderOrRefuse(refuse, () => snippetFor('r', ref)!.code);
    if (rCode === null) {
      out.r.refused++;
    } else {
      const id = `${index}:r`;
      out.code.set(id, rCode);
      out.r.records.push({
        id,
        code: rCode,
        reference: reference(out.r.references, 'r', ref, 'r'),
        var: identifierFor(ref, 'r'),
        rValues: { ...values, ca: ref.tlsVerify ? values.ca : null }
      });
    }

    const bashCode = renderOrRefuse(
      refuse,
      () => snippetFor('bash', ref)!.code
    );
    const cli = renderOrRefuse(refuse, () => cliCommand(ref));
    if (bashCode === null || cli === null) {
      out.bash.refused++;
    } else {
      const var_ = identifierFor(ref, 'shell');
      if (!bashCode.includes(`\n${var_}=$(\n`)) {
        throw new Error(`bash snippet ${index} does not assign ${var_}`);
      }
      out.code.set(`${index}:bash`, bashCode);
      out.code.set(`${index}:cli`, cli);
      out.bash.syntax.push({ id: `${index}:bash`, code: bashCode });
      out.bash.syntax.push({ id: `${index}:cli`, code: cli });
      out.bash.argv.push({
        id: `${index}:cli`,
        code: cli,
        expect: cliArgv(ref)
      });
      out.bash.vars.push({ id: `${index}:bash`, var: var_ });
      if (index < INTERACTIVE_RUNS) {
        out.interactive.push(
          interactiveItem(`${index}:bash`, bashCode, ref, true),
          interactiveItem(`${index}:cli`, cli, ref, false)
        );
      }
    }
    const allValues = [...FIELDS].map(field => values[field]);
    const roundtrip = renderOrRefuse(allValues.some(unencodable), () =>
      renderTemplate(ROUNDTRIP, 'shell', ref)
    );
    if (roundtrip !== null) {
      const id = `${index}:roundtrip`;
      out.code.set(id, roundtrip);
      out.bash.roundtrip.push({
        id,
        code: roundtrip,
        expect: allValues.map(value => value ?? '')
      });
    }
  });
  return out;
}

/** The R batch in check_r.R's format: UTF-8 fields, each ended by 0xFF. */
function rBatch(data: IGenerated['r']): Uint8Array {
  const fields: string[] = ['snippets-r-1', String(FIELDS.length), ...FIELDS];
  const sentinels = Object.entries(SENTINELS);
  fields.push(String(sentinels.length), ...sentinels.flat());
  const references = Object.entries(data.references);
  fields.push(String(references.length));
  for (const [id, ref] of references) {
    fields.push(id, ref.code, ref.var);
  }
  fields.push(String(data.records.length));
  for (const record of data.records) {
    fields.push(record.id, record.code, record.reference, record.var);
    // Values the snippet does not use may hold a NUL; R needs none of them.
    fields.push(...FIELDS.map(field => record.rValues[field] ?? ''));
  }
  fields.push('end');
  const encoder = new TextEncoder();
  const chunks = fields.map(field => encoder.encode(field));
  const bytes = new Uint8Array(
    chunks.reduce((size, chunk) => size + chunk.length + 1, 0)
  );
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    bytes[offset + chunk.length] = 0xff;
    offset += chunk.length + 1;
  }
  return bytes;
}

/** Run a checker; resolve with its verdict line(s). */
function runChecker(command: string, args: string[]): Promise<string> {
  return new Promise(resolve => {
    execFile(
      command,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: TIMEOUT_MS,
        env: { ...process.env, LC_ALL: 'C.UTF-8' }
      },
      (error, stdout, stderr) => {
        resolve(
          stdout.trim() ||
            `FAIL (no verdict)\n${error?.message ?? ''}\n${stderr}`
        );
      }
    );
  });
}

/** Throws with the counterexample unless the checker said OK for `count` items. */
function expectOk(verdict: string, count: number, data: IGenerated): void {
  const lines = verdict.split('\n');
  const last = lines[lines.length - 1];
  if (verdict.startsWith('OK ') && last === `OK ${count}`) {
    return;
  }
  const failed = /^FAIL (\S+)/.exec(verdict);
  const id = failed?.[1] ?? '';
  const index = Number(id.split(':')[0]);
  const input = Number.isInteger(index) ? data.refs[index] : undefined;
  throw new Error(
    `${verdict}\n\ninput: ${JSON.stringify(input)}\n\ncode:\n${data.code.get(id) ?? '(none)'}`
  );
}

/** An executable on PATH, or null. */
function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const venvPython = path.join(ROOT, '.venv', 'bin', 'python');
const PYTHON = fs.existsSync(venvPython) ? venvPython : 'python3';
const RSCRIPT = which('Rscript');
const CI = process.env.CI === 'true';

const data = generate();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snippets-'));
let verdicts: Record<'python' | 'bash' | 'interactive' | 'r', Promise<string>>;

beforeAll(() => {
  // Python is the slowest checker: one process per template, in parallel.
  const pythonVerdicts = ['python', 'python-env'].map(template => {
    const file = path.join(dir, `${template}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        sentinels: SENTINELS,
        references: data.python.references,
        records: data.python.records.filter(r => r.id.endsWith(`:${template}`))
      })
    );
    return runChecker(PYTHON, [path.join(CHECKERS, 'check_python.py'), file]);
  });
  const bashFile = path.join(dir, 'bash.json');
  fs.writeFileSync(bashFile, JSON.stringify(data.bash));
  const interactiveFile = path.join(dir, 'bash-interactive.json');
  fs.writeFileSync(interactiveFile, JSON.stringify(data.interactive));
  const rFile = path.join(dir, 'r.bin');
  fs.writeFileSync(rFile, rBatch(data.r));
  verdicts = {
    python: Promise.all(pythonVerdicts).then(
      all =>
        all.find(verdict => !/^OK \d+$/.test(verdict)) ??
        `OK ${all.reduce((sum, verdict) => sum + Number(verdict.slice(3)), 0)}`
    ),
    bash: runChecker(PYTHON, [path.join(CHECKERS, 'check_bash.py'), bashFile]),
    interactive: runChecker(PYTHON, [
      path.join(CHECKERS, 'check_bash_interactive.py'),
      interactiveFile
    ]),
    r: RSCRIPT
      ? runChecker(RSCRIPT, [
          '--vanilla',
          path.join(CHECKERS, 'check_r.R'),
          rFile
        ])
      : Promise.resolve('FAIL (Rscript not found)')
  };
});

afterAll(async () => {
  await Promise.all(Object.values(verdicts ?? {}));
  if (process.env.SNIPPET_PROPERTY_KEEP) {
    console.warn(`snippet batches kept in ${dir}`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe(`snippets with ${data.names} hostile names (${RUNS} secret references, seed ${SEED})`, () => {
  it(`generates at least ${MIN_NAMES} names`, () => {
    expect(data.names).toBeGreaterThanOrEqual(MIN_NAMES);
  });

  it(
    `python: ${data.python.records.length} snippets (python, python-env) pass ast checks`,
    async () => {
      expectOk(await verdicts.python, data.python.records.length, data);
    },
    TIMEOUT_MS
  );

  const bashCount =
    data.bash.syntax.length +
    data.bash.roundtrip.length +
    data.bash.argv.length +
    data.bash.vars.length;
  it(
    `bash: ${data.bash.vars.length} snippets and CLI commands pass bash -n, printable ASCII and word splitting, ` +
      `${data.bash.roundtrip.length} printf round trips (${data.bash.refused} refused: NUL or lone surrogate)`,
    async () => {
      expectOk(await verdicts.bash, bashCount, data);
    },
    TIMEOUT_MS
  );

  it(
    `bash: ${data.interactive.length} snippets and CLI commands run in a bash kernel's shell ` +
      'call the CLI with exactly the names and run nothing else',
    async () => {
      expectOk(await verdicts.interactive, data.interactive.length, data);
    },
    TIMEOUT_MS
  );

  const rTest = RSCRIPT || CI ? it : it.skip;
  rTest(
    RSCRIPT || CI
      ? `r: ${data.r.records.length} snippets pass parse() checks (${data.r.refused} refused: NUL or lone surrogate)`
      : 'r: SKIPPED, Rscript not found (apt-get install r-base-core, or scripts/setup.sh); fails when CI=true',
    async () => {
      expectOk(await verdicts.r, data.r.records.length, data);
    },
    TIMEOUT_MS
  );
});

describe('the bash kernel check', () => {
  it(
    'catches a name kept raw inside single quotes (issue 11: Ctrl-U erased the line, touch ran)',
    async () => {
      const ref: ISecretRef = {
        address: 'http://127.0.0.1:8200',
        namespace: null,
        mount: 'secret/',
        path: 'apps/db',
        key: 'x\x15touch CANARY #',
        version: 2,
        caCert: null,
        tlsVerify: true,
        cli: 'bao'
      };
      const code = snippetFor('bash', ref)!.code;
      // The quoting before the fix: the raw key inside single quotes.
      const raw = code.replace(
        shellQuote(ref.key!),
        `'${ref.key!.replace(/'/g, "'\\''")}'`
      );
      expect(raw).not.toBe(code);
      const file = path.join(dir, 'bash-interactive-raw.json');
      fs.writeFileSync(
        file,
        JSON.stringify([
          interactiveItem('0:escaped', code, ref, true),
          interactiveItem('1:raw', raw, ref, true)
        ])
      );
      const verdict = await runChecker(PYTHON, [
        path.join(CHECKERS, 'check_bash_interactive.py'),
        file
      ]);
      expect(verdict).toMatch(/^FAIL 1:raw\n.*CANARY/);
    },
    TIMEOUT_MS
  );
});
