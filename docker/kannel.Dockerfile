# kannel.Dockerfile -- Kannel's bearerbox and smsbox (Debian 12's kannel
# package) for docker-compose.yml.  The entrypoint renders
# config/kannel/kannel.conf.in (or $KANNEL_TEMPLATE) from the environment and
# runs both boxes; fakesmsc (kannel-extras) is there to play a phone:
#
#   docker compose exec kannel /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 \
#       -r 10000 -i 0 -m 1 "+255712345678 15055 text UTAFITI"
FROM debian:12

RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		kannel kannel-extras curl ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& (id kannel >/dev/null 2>&1 || useradd --system --no-create-home kannel) \
	&& mkdir -p /run/kannel /var/log/kannel \
	&& chown kannel /run/kannel /var/log/kannel

COPY config/kannel/ /etc/kannel/templates/
COPY scripts/render-template /usr/local/bin/render-template
COPY docker/kannel-entrypoint.sh /usr/local/bin/kannel-entrypoint

USER kannel
EXPOSE 13013
ENTRYPOINT ["kannel-entrypoint"]
