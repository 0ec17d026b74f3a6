"""The `singer` source: every Singer tap as a cxbridge source."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.singer.source import SingerSource


@hookimpl
def register_sources(register):
    register(SingerSource)
