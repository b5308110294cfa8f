"""What bench_site.py measures: timed builds, the live-reload time and the page weight."""
