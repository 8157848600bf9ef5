"""The finsight Kubernetes operator: reconciles Organization resources into tenants (DESIGN §6)."""
