#!/bin/sh
# Fills the nginx config from the container's environment and starts nginx in the foreground.
#   UPSTREAM  host:port of the app behind nginx (default nodeapp:3000); a mesh name.
#   RESOLVER  DNS server for it (default: the first nameserver of /etc/resolv.conf, which is
#             Docker's 127.0.0.11 on an overlay network and weaveDNS on Weave; never hard-coded).
set -eu
upstream=${UPSTREAM:-nodeapp:3000}
resolver=${RESOLVER:-$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)}
case "$resolver" in
  "") echo "start-nginx: no nameserver in /etc/resolv.conf and RESOLVER unset" >&2; exit 1 ;;
  *:*) resolver="[$resolver]" ;;
esac
case "$upstream" in
  *[!A-Za-z0-9.:_-]*) echo "start-nginx: UPSTREAM must be host:port, got '$upstream'" >&2; exit 1 ;;
esac
sed -e "s|@RESOLVER@|$resolver|" -e "s|@UPSTREAM@|$upstream|" /etc/nginx/default.conf.template > /etc/nginx/conf.d/default.conf
echo "start-nginx: proxying to $upstream, resolved by $resolver"
exec nginx -g 'daemon off;'
