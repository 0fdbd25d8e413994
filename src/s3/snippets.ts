/**
 * Object storage snippets: code that reads a bucket (or one object) at run
 * time, per kernel language, with the profile the server keeps fresh in the
 * AWS credentials file. The keys are never in the code: boto3, s3fs, R's
 * aws.s3 and the AWS CLI read them from the profile when the cell runs.
 *
 * Every name (endpoint, region, profile, bucket, key) goes into the code only
 * through the escaped literals of `src/snippets/literals.ts` (Python
 * `ast.literal_eval`-safe, R `parse()`-safe, shell words that survive an
 * interactive bash), so a hostile bucket or object name never becomes code.
 */
import { pythonLiteral, rLiteral, shellQuote } from '../snippets/literals';
import { SnippetError } from '../snippets/types';

/** What a snippet reads. */
export interface IS3SnippetTarget {
  /** The S3 API URL, e.g. `https://s3.example.org`. */
  endpoint: string;
  /** The signing region. */
  region: string;
  /** The profile of the credentials file. */
  profile: string;
  /** The bucket. */
  bucket: string;
  /** One object of it, or null for the bucket's listing. */
  key?: string | null;
}

/** The kernel languages that have an object storage snippet. */
export const S3_SNIPPET_LANGUAGES = ['python', 'r', 'bash'] as const;

/**
 * The snippet for `language` (a kernelspec `language`, lowercased).
 *
 * @throws SnippetError for another language, or a value no literal of the
 *   language can hold
 */
export function s3Snippet(
  language: string | null,
  target: IS3SnippetTarget
): string {
  switch ((language ?? '').toLowerCase()) {
    case 'python':
      return python(target);
    case 'r':
      return r(target);
    case 'bash':
    case 'sh':
      return bash(target);
    default:
      throw new SnippetError(
        'unsupported_value',
        `No object storage snippet for kernels in ${language ?? 'an unknown language'}: ` +
          'there are snippets for Python, R and Bash.'
      );
  }
}

function isCsv(key: string | null | undefined): boolean {
  return !!key && /\.csv$/i.test(key);
}

function python(t: IS3SnippetTarget): string {
  // No name goes into a comment: only into the escaped literals below.
  const head =
    `# Reads ${t.key ? 'the object' : 'the bucket'} when the cell runs; the keys come from the ` +
    'profile below in ~/.aws/credentials,\n# which Jupyter keeps fresh ' +
    '(they are never stored in the notebook).\n';
  // A fresh session each time the cell runs reads the keys the server renewed.
  const client =
    (isCsv(t.key)
      ? 'import io\n\nimport boto3\nimport pandas as pd\n\n'
      : 'import boto3\n\n') +
    head +
    `s3 = boto3.Session(profile_name=${pythonLiteral(t.profile)}).client(\n` +
    `    "s3", endpoint_url=${pythonLiteral(t.endpoint)}, region_name=${pythonLiteral(t.region)}\n)\n`;
  if (t.key) {
    const read =
      client +
      `body = s3.get_object(Bucket=${pythonLiteral(t.bucket)}, Key=${pythonLiteral(t.key)})["Body"].read()`;
    // A CSV goes to pandas from the bytes boto3 read (no s3fs: one dependency fewer).
    return isCsv(t.key)
      ? read + '\ndf = pd.read_csv(io.BytesIO(body))\ndf'
      : read;
  }
  return (
    client +
    `listing = s3.list_objects_v2(Bucket=${pythonLiteral(t.bucket)})\n` +
    '[o["Key"] for o in listing.get("Contents", [])]'
  );
}

function r(t: IS3SnippetTarget): string {
  // aws.s3 wants the host without its scheme, and an empty region off AWS.
  const url = new URL(t.endpoint);
  const https = url.protocol === 'https:' ? 'TRUE' : 'FALSE';
  const args =
    `bucket = ${rLiteral(t.bucket, 'the bucket')}, base_url = ${rLiteral(url.host, 'the endpoint')}, ` +
    `region = ${rLiteral(url.host.endsWith('amazonaws.com') ? t.region : '', 'the region')}, ` +
    `use_https = ${https}`;
  const head =
    'library(aws.s3)\n\n' +
    `# Reads ${t.key ? 'the object' : 'the bucket'} when the cell runs, with the profile that ` +
    'Jupyter keeps fresh in ~/.aws/credentials.\n' +
    `aws.signature::use_credentials(profile = ${rLiteral(t.profile, 'the profile')})\n`;
  if (isCsv(t.key)) {
    return (
      head +
      `df <- s3read_using(read.csv, object = ${rLiteral(t.key!, 'the object')}, ${args})\ndf`
    );
  }
  if (t.key) {
    return (
      head +
      `obj <- get_object(object = ${rLiteral(t.key, 'the object')}, ${args})`
    );
  }
  return head + `get_bucket_df(${args})`;
}

function bash(t: IS3SnippetTarget): string {
  const base =
    `aws --profile ${shellQuote(t.profile, 'the profile')} ` +
    `--endpoint-url ${shellQuote(t.endpoint, 'the endpoint')} ` +
    `--region ${shellQuote(t.region, 'the region')} s3`;
  const comment =
    '# The AWS CLI reads the keys of the profile Jupyter keeps fresh in ~/.aws/credentials.\n';
  if (t.key) {
    return (
      comment +
      `${base} cp ${shellQuote(`s3://${t.bucket}/${t.key}`, 'the object')} -`
    );
  }
  return (
    comment + `${base} ls ${shellQuote(`s3://${t.bucket}/`, 'the bucket')}`
  );
}
