"""xenon: Python bindings of Xenon's libraries, with ctypes.

    from xenon import Xenstore, Libxl

    with Libxl() as xl:
        for d in xl.list_domains():
            print(d.domid, d.name, d.state)

    with Xenstore() as xs:
        xs.write("/local/domain/3/data/greeting", "hello")

Xenstore: read, write, mkdir, rm, ls, watch / read_watch, transactions
(xenon.xenstore, over libxenstore.so.4). Libxl: list_domains, domain_info,
domid, config, create, destroy, pause, unpause, shutdown (xenon.xl, over
libxenlight.so.1). Both connect to the xenstored that $XENSTORED_PATH names
(else the default socket), as xl does. Errors raise XenonError, an OSError.
See python/README.md.
"""

from ._lib import XenonError
from .xenstore import Transaction, Xenstore
from .xl import Domain, Libxl

__all__ = ["Xenstore", "Transaction", "Libxl", "Domain", "XenonError"]
