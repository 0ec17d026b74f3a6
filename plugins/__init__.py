"""First-party connectors. They register through the same hooks as third-party plugins.

`cxbridge.plugins` is also the API call `cxbridge.plugins()` (every source and destination with
the package that provides it): importing this package makes `cxbridge.plugins` name it, so the
package itself answers the call, whatever was imported first.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxbridge.api import PluginListing
    from cxbridge.plugins_host import PluginHost


class _CallablePackage(ModuleType):
    def __call__(self, *, host: PluginHost | None = None) -> PluginListing:
        """Every source and destination, with the package and version that provides it."""
        from cxbridge.api import plugins

        return plugins(host=host)


sys.modules[__name__].__class__ = _CallablePackage
