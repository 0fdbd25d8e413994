import React from 'react';

/** Props of {@link Card}. */
export interface ICardProps {
  /** Modifier class, e.g. `jp-VaultJwt-vault`. */
  className: string;
  /** Title, also the section's accessible name. */
  title: string;
  /** `data-testid` for UI tests. */
  testId?: string;
  /** Buttons shown in the header. */
  actions?: React.ReactNode;
  /** Something else shown in the header (e.g. a summary). */
  aside?: React.ReactNode;
  /** The body. */
  children?: React.ReactNode;
}

/** One card of the sidebar: a titled section with optional header actions. */
export function Card(props: ICardProps): JSX.Element {
  return (
    <section
      className={`jp-VaultJwt-card ${props.className}`}
      aria-label={props.title}
      data-testid={props.testId}
    >
      <header className="jp-VaultJwt-cardHeader">
        <h2 className="jp-VaultJwt-cardTitle">{props.title}</h2>
        {props.aside}
        {props.actions && (
          <div className="jp-VaultJwt-actions">{props.actions}</div>
        )}
      </header>
      {props.children}
    </section>
  );
}

/** Props of {@link Section}. */
export interface ISectionProps {
  /** Modifier class, e.g. `jp-VaultJwt-vault`. */
  className: string;
  /** Title, also the section's accessible name. */
  title: string;
  /** `data-testid` for UI tests. */
  testId?: string;
  /** Buttons shown beside the title. */
  actions?: React.ReactNode;
  /** The body. */
  children?: React.ReactNode;
}

/**
 * A titled part of the panel, headed like JupyterLab's sidebar sections
 * (small upper-case title, actions on the right), without a box around it.
 */
export function Section(props: ISectionProps): JSX.Element {
  return (
    <section
      className={`jp-VaultJwt-section ${props.className}`}
      aria-label={props.title}
      data-testid={props.testId}
    >
      <header className="jp-VaultJwt-sectionHeader">
        <h2 className="jp-VaultJwt-sectionTitle">{props.title}</h2>
        {props.actions && (
          <div className="jp-VaultJwt-actions">{props.actions}</div>
        )}
      </header>
      {props.children}
    </section>
  );
}

/** Props of {@link CardButton}. */
export interface ICardButtonProps {
  /** The main action of its card (accent colour). */
  accept?: boolean;
  /** Click handler (usually runs a command). */
  onClick: () => void;
  /** Disabled state (usually the command's enabled state, negated). */
  disabled: boolean;
  /** Tooltip. */
  title: string;
  /** Label. */
  children: React.ReactNode;
}

/** A header button of a card. */
export function CardButton(props: ICardButtonProps): JSX.Element {
  const accept = props.accept ? ' jp-mod-accept' : '';
  return (
    <button
      type="button"
      className={`jp-mod-styled${accept} jp-VaultJwt-button`}
      onClick={props.onClick}
      disabled={props.disabled}
      title={props.title}
    >
      {props.children}
    </button>
  );
}

/** A polite live region announcing what is in progress. */
export function ProgressNote(props: {
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div role="status" aria-live="polite" className="jp-VaultJwt-progressNote">
      {props.children}
    </div>
  );
}

/** An error of the server (its code as `data-code`), announced as an alert. */
export function ErrorNote(props: {
  error: { code: string; message: string };
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div
      className="jp-VaultJwt-error"
      role="alert"
      data-code={props.error.code}
    >
      <p>{props.error.message}</p>
      {props.children}
    </div>
  );
}
