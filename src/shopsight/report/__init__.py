"""The daily run report: one self-contained HTML page with charts, stored in the bucket."""

from shopsight.report.publish import PublishedReport, publish_report

__all__ = ["PublishedReport", "publish_report"]
