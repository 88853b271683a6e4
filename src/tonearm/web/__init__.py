"""Web components and pages served by Tonearm."""
