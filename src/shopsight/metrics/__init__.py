"""The semantic layer: metrics defined once in dbt (MetricFlow), compiled to SQL here."""
