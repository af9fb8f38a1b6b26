# sauti.Dockerfile -- the gateway for docker-compose.yml: built with the
# project's Makefile on Debian 12, run on debian:12-slim with the runtime
# libraries only.  The configuration is mounted at /etc/sauti/sauti.yaml and
# the flows at /srv/sauti/flows.
FROM debian:12 AS build
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		build-essential pkg-config libevent-dev libhiredis-dev libyaml-dev \
		libsodium-dev libjansson-dev libphonenumber-dev libjemalloc-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY gateway/ gateway/
COPY scripts/ scripts/
RUN make sauti

FROM debian:12-slim
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		libevent-2.1-7 libevent-pthreads-2.1-7 libhiredis0.14 libyaml-0-2 \
		libsodium23 libjansson4 libphonenumber8 libjemalloc2 curl ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --home-dir /srv/sauti sauti
COPY --from=build /src/sauti /usr/local/bin/sauti
WORKDIR /srv/sauti
COPY flows/ flows/
USER sauti
EXPOSE 8080
ENTRYPOINT ["sauti"]
CMD ["serve", "-c", "/etc/sauti/sauti.yaml"]
