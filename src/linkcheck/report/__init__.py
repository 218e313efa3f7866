"""Report writers, one module per output format, all walking one list of problems
(problems.py) and fitting text with one cap and one sanitizer (text.py); none of them prints."""
