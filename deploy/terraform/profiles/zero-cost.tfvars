# Zero-cost profile: free-tier sizes, free load jobs instead of streaming inserts, local redaction, public
# dashboard login (no IAP), a 60-day partition expiry so storage stays under the 10 GiB free tier.
# The one always-on ingest instance is the only line above the free tiers (see the cost table in
# docs/deploy.md); run ingest on your own machine and set ingest_enabled = false for a true $0.
redaction                 = "local"
load_sink                 = "bigquery-load"
dashboard_front_door      = "login"
ingest_cpu                = "1"
ingest_memory             = "512Mi"
dashboard_max_instances   = 1
function_max_instances    = 1
partition_expiration_days = 60
ingest_enabled            = false
