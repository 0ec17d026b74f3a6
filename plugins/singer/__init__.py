"""The `singer` source: every Singer tap as a cxbridge source."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("singer", "cxbridge.plugins.singer.source:SingerSource"))
