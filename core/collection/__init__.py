"""Collection: slips, statements, late charges, actions, installment plans."""
