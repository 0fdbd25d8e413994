import { pythonLiteral, rLiteral, shellQuote } from '../snippets/literals';
import { SnippetError } from '../snippets/types';
import { IS3SnippetTarget, s3Snippet } from './snippets';

const BENIGN: IS3SnippetTarget = {
  endpoint: 'https://s3.example.org',
  region: 'us-east-1',
  profile: 'jupyter',
  bucket: 'team-data',
  key: 'reports/q1.csv'
};

// Names that would end a literal, run code, or edit an interactive line.
const HOSTILE_KEYS = [
  "x'); import os; os.system('id'); ('.csv",
  'a"); system("id"); ("b.csv',
  "$(id)`id`'; id; '.csv",
  'line\nbreak\u0015ctrl-u\u202Ebidi.csv',
  'plain/key'
];

describe('s3Snippet', () => {
  it.each([
    ['python', 'pd.read_csv'],
    ['r', 's3read_using(read.csv'],
    ['bash', 's3 cp']
  ])('reads an object in %s', (language, call) => {
    const code = s3Snippet(language, BENIGN);
    expect(code).toContain(call);
    expect(code).toContain('jupyter');
    expect(code).not.toMatch(/aws_secret_access_key|SecretAccessKey/);
  });

  it('reads a CSV in Python with boto3 and the profile, into pandas (no s3fs)', () => {
    const code = s3Snippet('python', BENIGN);
    expect(code).toContain(
      "boto3.Session(profile_name='jupyter').client(\n" +
        "    \"s3\", endpoint_url='https://s3.example.org', region_name='us-east-1'\n)"
    );
    expect(code).toContain(
      `body = s3.get_object(Bucket='team-data', Key='reports/q1.csv')["Body"].read()`
    );
    expect(code).toContain('df = pd.read_csv(io.BytesIO(body))');
    expect(code).toMatch(/^import io$/m);
    expect(code).toMatch(/^import pandas as pd$/m);
    expect(code).not.toMatch(/s3fs|storage_options|s3:\/\//);
    // Another object: its bytes, without pandas.
    const other = s3Snippet('python', { ...BENIGN, key: 'reports/q1.parquet' });
    expect(other).toContain(`Key='reports/q1.parquet')["Body"].read()`);
    expect(other).not.toMatch(/pandas|read_csv/);
  });

  it.each(['python', 'r', 'bash'])(
    'lists a bucket in %s without a key',
    language => {
      const code = s3Snippet(language, { ...BENIGN, key: null });
      expect(code).toMatch(/list_objects_v2|get_bucket_df|s3 ls/);
    }
  );

  // A hostile name changes only the literals: the code around them is the
  // same as for a benign name (the literals themselves are proven by the
  // Vault snippets' tests, which run them in real kernels).
  it.each(HOSTILE_KEYS)('keeps %j inside its literals', hostileKey => {
    for (const [language, quote] of [
      ['python', (v: string) => pythonLiteral(v)],
      ['r', (v: string) => rLiteral(v)],
      ['bash', (v: string) => shellQuote(v)]
    ] as const) {
      const hostile = { ...BENIGN, key: hostileKey };
      const benignKey = hostileKey.endsWith('.csv')
        ? 'reports/q1.csv'
        : 'reports/q1';
      const benign = { ...BENIGN, key: benignKey };
      const url = (t: IS3SnippetTarget) => `s3://${t.bucket}/${t.key}`;
      let code = s3Snippet(language, hostile);
      for (const [from, to] of [
        [quote(url(hostile)), quote(url(benign))],
        [quote(hostileKey), quote(benignKey)]
      ]) {
        code = code.split(from).join(to);
      }
      expect(code).toBe(s3Snippet(language, benign));
    }
  });

  it('refuses other languages and values no literal can hold', () => {
    expect(() => s3Snippet('julia', BENIGN)).toThrow(SnippetError);
    expect(() => s3Snippet('r', { ...BENIGN, key: 'a\u0000.csv' })).toThrow(
      SnippetError
    );
  });
});
