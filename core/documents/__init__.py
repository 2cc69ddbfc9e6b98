"""Documents a person reads as a page (bills, notices), rendered as PDF."""
