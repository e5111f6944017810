# Only ingest needs the internet (X, Mastodon, Bluesky). The load function and the dashboard send all their
# egress into this subnet, which has Private Google Access (Google APIs) and no Cloud NAT: no route out.
resource "google_compute_network" "private" {
  project                 = var.project_id
  name                    = "tweetstream-private"
  auto_create_subnetworks = false

  depends_on = [google_project_service.apis]
}

resource "google_compute_subnetwork" "private" {
  project                  = var.project_id
  name                     = "tweetstream-private-${var.region}"
  region                   = var.region
  network                  = google_compute_network.private.id
  ip_cidr_range            = "10.8.0.0/26"
  private_ip_google_access = true
}
