"""The `singer` source: every Singer tap as a cxbridge source."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.singer.source import SingerSource

    register(SingerSource)
