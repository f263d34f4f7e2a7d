"""clustermon: monitoring and evaluation pipeline for regional cluster programmes."""
