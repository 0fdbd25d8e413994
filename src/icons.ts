import { LabIcon } from '@jupyterlab/ui-components';

import logInSvg from '../style/icons/log-in.svg';
import logOutSvg from '../style/icons/log-out.svg';
import statusKeySvg from '../style/icons/status-key.svg';
import vaultKeySvg from '../style/icons/vault-key.svg';

/** The extension's icon: a shield with a key (sidebar tab, settings). */
export const vaultKeyIcon = new LabIcon({
  name: 'jupyterlab-vault-jwt:vault-key',
  svgstr: vaultKeySvg
});

/** A plain key: the status-bar item (unlike the "trusted" shield). */
export const statusKeyIcon = new LabIcon({
  name: 'jupyterlab-vault-jwt:status-key',
  svgstr: statusKeySvg
});

/** Log in to Vault (an arrow into a door). */
export const loginIcon = new LabIcon({
  name: 'jupyterlab-vault-jwt:log-in',
  svgstr: logInSvg
});

/** Log out of Vault (an arrow out of a door). */
export const logoutIcon = new LabIcon({
  name: 'jupyterlab-vault-jwt:log-out',
  svgstr: logOutSvg
});
