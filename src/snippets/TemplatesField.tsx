import React, { useState } from 'react';

import {
  BUILTIN_TEMPLATES,
  QUOTINGS,
  Quoting,
  UserTemplate,
  userTemplateProblems
} from './index';
import '../../style/templates.css';

/** The parts of rjsf's `FieldProps` the field uses. */
export interface ITemplatesFieldProps {
  /** The setting's value: templates by id. */
  formData?: Record<string, UserTemplate>;
  /** Report a new value to the Settings Editor. */
  onChange: (value: Record<string, UserTemplate>) => void;
  /** The setting's schema (title and description). */
  schema: { title?: string; description?: string };
}

/** Templates as an ordered list of entries. */
function entriesOf(
  data: Record<string, UserTemplate> | undefined
): [string, UserTemplate][] {
  return Object.entries(data ?? {});
}

function textOf(template: UserTemplate): string {
  return typeof template === 'string' ? template : (template?.template ?? '');
}

function quotingOf(template: UserTemplate): Quoting | '' {
  return typeof template === 'string' ? '' : (template?.quoting ?? '');
}

/**
 * The Settings Editor's field for `snippetTemplates`: one editor per
 * template (name, quoting, text) with its problems shown under it as you
 * type, and "Add a template" starting from a built-in one.
 */
export function TemplatesField(props: ITemplatesFieldProps): JSX.Element {
  const entries = entriesOf(props.formData);
  const problems = userTemplateProblems(props.formData);
  const [names, setNames] = useState<Record<number, string>>({});
  const [renameError, setRenameError] = useState<Record<number, string>>({});
  const [start, setStart] = useState(BUILTIN_TEMPLATES[0].id);

  const emit = (next: [string, UserTemplate][]) =>
    props.onChange(Object.fromEntries(next));

  const update = (at: number, text: string, quoting: Quoting | '') => {
    const next = entries.slice();
    next[at] = [
      next[at][0],
      quoting === '' ? text : { template: text, quoting }
    ];
    emit(next);
  };

  const rename = (at: number) => {
    const name = (names[at] ?? entries[at][0]).trim();
    const clash = entries.some(([id], i) => i !== at && id === name);
    if (name === '' || clash) {
      setRenameError({
        ...renameError,
        [at]:
          name === ''
            ? 'A template needs a name: a kernel language or a template id.'
            : `There is already a template named "${name}".`
      });
      return;
    }
    setRenameError({ ...renameError, [at]: '' });
    setNames({ ...names, [at]: name });
    if (name !== entries[at][0]) {
      const next = entries.slice();
      next[at] = [name, next[at][1]];
      emit(next);
    }
  };

  const add = () => {
    const builtin = BUILTIN_TEMPLATES.find(t => t.id === start);
    let name = builtin ? builtin.id : 'my-language';
    for (let n = 2; entries.some(([id]) => id === name); n++) {
      name = `${builtin ? builtin.kernelLanguage : 'my-language'}-mine${n === 2 ? '' : n}`;
    }
    const template: UserTemplate = builtin
      ? name === builtin.id
        ? builtin.template
        : { template: builtin.template, quoting: builtin.quoting }
      : { template: '{{path}}\n', quoting: 'python' };
    emit([...entries, [name, template]]);
  };

  return (
    <fieldset
      className="jp-VaultJwt-templatesField"
      data-testid="vault-jwt-templates-field"
    >
      <legend>{props.schema.title ?? 'Snippet templates'}</legend>
      {props.schema.description && (
        <p className="jp-VaultJwt-muted">{props.schema.description}</p>
      )}
      {entries.map(([id, template], at) => {
        const found = problems[id] ?? [];
        return (
          <div
            key={at}
            className="jp-VaultJwt-templateEntry"
            data-template-id={id}
          >
            <div className="jp-VaultJwt-templateHead">
              <label>
                {'Name '}
                <input
                  type="text"
                  aria-label="Template name"
                  value={names[at] ?? id}
                  onChange={event =>
                    setNames({ ...names, [at]: event.currentTarget.value })
                  }
                  onBlur={() => rename(at)}
                />
              </label>
              <label>
                {'Quoting '}
                <select
                  aria-label="Quoting"
                  value={quotingOf(template)}
                  onChange={event =>
                    update(
                      at,
                      textOf(template),
                      event.currentTarget.value as Quoting | ''
                    )
                  }
                >
                  <option value="">by name</option>
                  {QUOTINGS.map(quoting => (
                    <option key={quoting} value={quoting}>
                      {quoting}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="jp-mod-styled jp-mod-reject"
                onClick={() => emit(entries.filter((_, i) => i !== at))}
              >
                Remove
              </button>
            </div>
            <textarea
              aria-label={`Template ${id}`}
              className="jp-VaultJwt-templateText"
              rows={Math.min(
                20,
                Math.max(4, textOf(template).split('\n').length)
              )}
              spellCheck={false}
              value={textOf(template)}
              onChange={event =>
                update(at, event.currentTarget.value, quotingOf(template))
              }
            />
            {renameError[at] && (
              <p className="jp-VaultJwt-templateProblem" role="alert">
                {renameError[at]}
              </p>
            )}
            {found.length > 0 && (
              <ul
                className="jp-VaultJwt-templateProblem"
                role="alert"
                aria-label={`Problems of ${id}`}
              >
                {found.map(problem => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      <div className="jp-VaultJwt-templateAdd">
        <select
          aria-label="Start from"
          value={start}
          onChange={event => setStart(event.currentTarget.value)}
        >
          {BUILTIN_TEMPLATES.map(builtin => (
            <option key={builtin.id} value={builtin.id}>
              {builtin.label}
            </option>
          ))}
          <option value="">an empty template</option>
        </select>
        <button type="button" className="jp-mod-styled" onClick={add}>
          Add a template
        </button>
      </div>
    </fieldset>
  );
}
