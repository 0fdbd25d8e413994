import { LabIcon } from '@jupyterlab/ui-components';

import vaultKeySvg from '../style/icons/vault-key.svg';

/** The extension's icon: a shield with a key (sidebar tab, status bar). */
export const vaultKeyIcon = new LabIcon({
  name: 'jupyterlab-vault-jwt:vault-key',
  svgstr: vaultKeySvg
});
