"""What the notebooks use: metrics, plots, dashboards, prerequisites, checks, the inbox, simulations."""
