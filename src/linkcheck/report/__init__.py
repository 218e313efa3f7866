"""Report writers, one module per output format; none of them prints."""
