import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { S3Browser } from './browser';
import { Follow } from '../components/Follow';

/** Props of {@link S3BucketItem}. */
export interface IS3BucketItemProps {
  /** The bucket. */
  bucket: string;
  /** Which levels are open and what they hold. */
  browser: S3Browser;
  /** Translations. */
  trans: TranslationBundle;
  /** Insert code that reads the bucket (key null) or one object. */
  onInsert?: (bucket: string, key: string | null) => void;
}

/**
 * A bucket of the object storage card that opens one level at a time: its
 * folders (which open the same way) and objects, each object with _Insert_.
 * Names are shown as text (React escapes them), relative to their folder.
 */
export function S3BucketItem(props: IS3BucketItemProps): JSX.Element {
  const { bucket, browser, trans } = props;
  return (
    <Follow signal={browser.changed}>
      {() => (
        <li className="jp-VaultJwt-s3Bucket">
          <div className="jp-VaultJwt-s3Row">
            <Toggle
              open={browser.isOpen(bucket)}
              label={bucket}
              className="jp-VaultJwt-bucketName"
              title={trans.__('Show the folders and objects of %1', bucket)}
              onClick={() => void browser.toggle(bucket)}
            />
            {props.onInsert && (
              <InsertButton
                trans={trans}
                name={bucket}
                onClick={() => props.onInsert?.(bucket, null)}
              />
            )}
          </div>
          {browser.isOpen(bucket) && <Level {...props} prefix="" />}
        </li>
      )}
    </Follow>
  );
}

function Level(props: IS3BucketItemProps & { prefix: string }): JSX.Element {
  const { bucket, browser, trans, prefix } = props;
  const level = browser.level(bucket, prefix);
  const listing = level?.listing ?? null;
  return (
    <div className="jp-VaultJwt-s3Level" data-prefix={prefix}>
      {level?.loading && !listing && (
        <p className="jp-VaultJwt-hint">{trans.__('Listing…')}</p>
      )}
      {level?.error && (
        <p
          className="jp-VaultJwt-hint"
          role="alert"
          data-code={level.error.code}
        >
          {level.error.message}
        </p>
      )}
      {listing && (
        <ul className="jp-VaultJwt-s3Entries">
          {listing.folders.map(folder => (
            <li key={`d:${folder}`} className="jp-VaultJwt-s3Folder">
              <div className="jp-VaultJwt-s3Row">
                <Toggle
                  open={browser.isOpen(bucket, folder)}
                  label={folder.slice(prefix.length)}
                  className="jp-VaultJwt-s3FolderName"
                  title={trans.__('Show the folder %1', folder)}
                  onClick={() => void browser.toggle(bucket, folder)}
                />
              </div>
              {browser.isOpen(bucket, folder) && (
                <Level {...props} prefix={folder} />
              )}
            </li>
          ))}
          {listing.objects.map(object => (
            <li key={`o:${object.key}`} className="jp-VaultJwt-s3Object">
              <div className="jp-VaultJwt-s3Row">
                <span
                  className="jp-VaultJwt-s3ObjectName"
                  title={trans.__('%1 bytes', object.size)}
                >
                  {object.key.slice(prefix.length)}
                </span>
                {props.onInsert && (
                  <InsertButton
                    trans={trans}
                    name={object.key}
                    onClick={() => props.onInsert?.(bucket, object.key)}
                  />
                )}
              </div>
            </li>
          ))}
          {listing.folders.length === 0 && listing.objects.length === 0 && (
            <li className="jp-VaultJwt-hint">{trans.__('Empty.')}</li>
          )}
          {listing.truncated && (
            <li className="jp-VaultJwt-hint" data-field="truncated">
              {trans.__('More entries than are shown here.')}
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

function Toggle(props: {
  open: boolean;
  label: string;
  className: string;
  title: string;
  onClick: () => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-VaultJwt-s3Toggle"
      aria-expanded={props.open}
      title={props.title}
      onClick={props.onClick}
    >
      <span aria-hidden="true">{props.open ? '▾' : '▸'}</span>{' '}
      <span className={props.className}>{props.label}</span>
    </button>
  );
}

function InsertButton(props: {
  trans: TranslationBundle;
  name: string;
  onClick: () => void;
}): JSX.Element {
  const label = props.trans.__('Insert code that reads %1', props.name);
  return (
    <button
      type="button"
      className="jp-mod-styled jp-VaultJwt-button"
      title={label}
      aria-label={label}
      onClick={props.onClick}
    >
      {props.trans.__('Insert')}
    </button>
  );
}
