"""The daily run report: one self-contained HTML page with charts, stored in the bucket
(`shopsight.report.publish`). Importing the package loads no charting library."""
