#!/bin/bash
# The README's curl session ("Calling the API"), step by step against a running system, printing each
# answer. Where the README says "a moment later" or "a minute later" it polls (bounded) instead of
# sleeping. Exits non-zero at the first answer that is not what the README shows.
#   API=http://localhost:8080 MAIL=http://localhost:1080 bash scripts/compose-check/session.sh
set -uo pipefail
API=${API:-http://localhost:8080}
MAIL=${MAIL:-http://localhost:1080}
EMAIL=${SESSION_EMAIL:-ann@example.com}
PASSWORD=correct-Horse-battery

say() { printf '\n$ %s\n' "$*"; }
fail() {
  printf 'SESSION FAILED: %s\n' "$*"
  exit 1
}
uuid() { cat /proc/sys/kernel/random/uuid; }
# poll <seconds> <command…>: runs the command every second until it prints something non-empty.
poll() {
  local until=$(($(date +%s) + $1)) out
  shift
  while :; do
    out=$("$@" 2>/dev/null) && [ -n "$out" ] && {
      printf '%s\n' "$out"
      return 0
    }
    [ "$(date +%s)" -ge "$until" ] && return 1
    sleep 1
  done
}
auth() { printf 'authorization: Bearer %s' "$TOKEN"; }

say "POST /auth/register ($EMAIL)"
REG=$(curl -s -X POST "$API/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"username\":\"${EMAIL%%@*}\",\"password\":\"$PASSWORD\"}")
echo "$REG" | jq -c '{user: .user.email, tokenType: (.accessToken | type)}'
TOKEN=$(echo "$REG" | jq -r .accessToken)
[ "$TOKEN" != null ] || fail "register gave no token: $REG"

say 'GET /auth/me'
curl -s "$API/auth/me" -H "$(auth)" | jq -c '{email, username, roles}'

say 'POST /auth/logout'
code=$(curl -s -o /dev/null -X POST "$API/auth/logout" -H "$(auth)" -w '%{http_code}')
echo "$code"
[ "$code" = 204 ] || fail "logout answered $code"

say 'GET /auth/me (the revoked token)'
code=$(curl -s -o /tmp/compose-session-me.json "$API/auth/me" -H "$(auth)" -w '%{http_code}')
echo "$code $(jq -c '{type, status}' </tmp/compose-session-me.json)"
[ "$code" = 401 ] || fail "a revoked token answered $code"

say 'GET /products?pageSize=5 (the demo catalog)'
curl -s "$API/products?pageSize=5" | jq -c '{total, names: [.items[].name]}'

say 'POST /auth/login (again: the first token is revoked)'
TOKEN=$(curl -s -X POST "$API/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | jq -r .accessToken)
[ "$TOKEN" != null ] || fail 'login gave no token'
echo 'token received'

say 'POST /addresses'
ADDR=$(curl -s -X POST "$API/addresses" -H "$(auth)" -H 'content-type: application/json' \
  -d '{"street":"Unter den Linden 1","city":"Berlin","postalCode":"10117","country":"DE","isDefault":true}' | jq -r .id)
echo "$ADDR"

say 'GET /products/search?q=hobit'
PRODUCT=$(curl -s "$API/products/search?q=hobit" | jq -r '.items[0].id')
curl -s "$API/products/$PRODUCT" | jq -c '{name, price, availability}'
[ "$PRODUCT" != null ] || fail 'search found nothing (was the catalog seeded?)'

say 'POST /orders (tok_visa)'
ORDER=$(curl -s -X POST "$API/orders" -H "$(auth)" -H 'content-type: application/json' \
  -H "idempotency-key: $(uuid)" \
  -d "{\"lines\":[{\"productId\":\"$PRODUCT\",\"quantity\":2}],\"shippingAddressId\":\"$ADDR\",
       \"paymentMethod\":{\"type\":\"card\",\"token\":\"tok_visa\"}}" | jq -r .id)
echo "$ORDER"

say "GET /orders/$ORDER/status (until CONFIRMED)"
# With a fast fake carrier the order may already be SHIPPED when looked at: CONFIRMED in its history.
confirmed() { curl -s "$API/orders/$ORDER/status" -H "$(auth)" | jq -ce 'select(any(.history[]; .to == "CONFIRMED")) | {status, history: [.history[] | {from, to, cause}]}'; }
poll 30 confirmed || fail "order $ORDER not CONFIRMED after 30 s"

say 'GET /invoices'
invoice() { curl -s "$API/invoices" -H "$(auth)" | jq -ce '.items[0] | select(. != null) | {number, total}'; }
poll 30 invoice || fail 'no invoice after 30 s'
INVOICE=$(curl -s "$API/invoices" -H "$(auth)" | jq -r '.items[0].id')
code=$(curl -s "$API/invoices/$INVOICE/pdf" -H "$(auth)" -o /tmp/compose-session-invoice.pdf -w '%{http_code}')
echo "invoice.pdf: $code, $(wc -c </tmp/compose-session-invoice.pdf) bytes, $(head -c 8 /tmp/compose-session-invoice.pdf)"

say 'The cart: a guest cart, an item, merged at sign-in, checkout'
curl -s "$API/products/$PRODUCT" | jq -c .availability
CART=$(curl -s -X POST "$API/carts" | jq -r .token)
[ "$CART" != null ] || fail 'POST /carts gave no token'
out=$(curl -s -X POST "$API/carts/me/items" -H "x-cart-token: $CART" -H 'content-type: application/json' \
  -d "{\"productId\":\"$PRODUCT\",\"quantity\":2}")
echo "$out" | jq -ce '.total' || fail "adding to the guest cart: $out"
out=$(curl -s "$API/carts/me" -H "$(auth)" -H "x-cart-token: $CART")
echo "$out" | jq -ce '[.lines[].quantity, .total]' || fail "the merged cart: $out"
out=$(curl -s -X POST "$API/carts/me/checkout" -H "$(auth)" -H 'content-type: application/json' \
  -H "idempotency-key: $(uuid)" \
  -d "{\"shippingAddressId\":\"$ADDR\",\"paymentMethod\":{\"type\":\"card\",\"token\":\"tok_visa\"}}")
echo "$out" | jq -ce '{order: .order.id, total: .order.total, ship: .order.shippingAddress.city} | select(.order != null)' ||
  fail "checkout: $out"

say 'POST /shippings/rates'
QUOTE=$(curl -s -X POST "$API/shippings/rates" -H 'content-type: application/json' \
  -d "{\"destination\":{\"country\":\"DE\"},\"lines\":[{\"productId\":\"$PRODUCT\",\"quantity\":2}]}")
echo "$QUOTE" | jq -c '[.options[] | {level, price: .price.amount, days: .estimatedDays}]'

say 'POST /orders with express shipping'
ORDER3=$(curl -s -X POST "$API/orders" -H "$(auth)" -H 'content-type: application/json' \
  -H "idempotency-key: $(uuid)" \
  -d "{\"lines\":[{\"productId\":\"$PRODUCT\",\"quantity\":2}],\"shippingAddressId\":\"$ADDR\",
       \"paymentMethod\":{\"type\":\"card\",\"token\":\"tok_visa\"},
       \"shipping\":{\"quoteId\":\"$(echo "$QUOTE" | jq -r .quoteId)\",\"level\":\"express\"}}" | jq -r .id)
curl -s "$API/orders/$ORDER3" -H "$(auth)" | jq -c '{subtotal: .subtotal.amount, shipping: .shipping.price.amount, total}'

say 'GET /shippings?orderId=… then its label, then tracking (until delivered)'
shipment() { curl -s "$API/shippings?orderId=$ORDER3" -H "$(auth)" | jq -re '.items[0].id // empty'; }
SHIPMENT=$(poll 60 shipment) || fail "no shipment for $ORDER3 after 60 s"
label() {
  code=$(curl -s "$API/shippings/$SHIPMENT/label" -H "$(auth)" -o /tmp/compose-session-label.pdf -w '%{http_code}')
  [ "$code" = 200 ] && echo "label.pdf: $code, $(wc -c </tmp/compose-session-label.pdf) bytes"
}
poll 60 label || fail 'no label after 60 s'
delivered() { curl -s "$API/shippings/$SHIPMENT" -H "$(auth)" | jq -ce 'select(.status == "delivered") | {status, tracking: [.tracking[].status]}'; }
poll "${DELIVERY_WAIT_S:-150}" delivered || fail "shipment $SHIPMENT not delivered in time"
curl -s "$API/orders/$ORDER3" -H "$(auth)" | jq -c '{status}'

say 'POST /shippings/returns (one unit), then the refund and the credit note'
RETURN=$(curl -s -X POST "$API/shippings/returns" -H "$(auth)" -H 'content-type: application/json' \
  -d "{\"orderId\":\"$ORDER3\",\"lines\":[{\"productId\":\"$PRODUCT\",\"quantity\":1}]}" | jq -r .id)
echo "$RETURN"
credit() { curl -s "$API/invoices/credit-notes?orderId=$ORDER3" -H "$(auth)" | jq -ce '.items[0] | select(. != null) | {number, total}'; }
poll "${DELIVERY_WAIT_S:-150}" credit || fail 'no credit note in time'
curl -s "$API/shippings/returns/$RETURN" -H "$(auth)" | jq -c '{status, refund}'

say 'POST /orders (tok_chargeDeclined): PENDING, then POST /payments with tok_visa'
ORDER2=$(curl -s -X POST "$API/orders" -H "$(auth)" -H 'content-type: application/json' \
  -d "{\"lines\":[{\"productId\":\"$PRODUCT\",\"quantity\":1}],\"shippingAddressId\":\"$ADDR\",
       \"paymentMethod\":{\"type\":\"card\",\"token\":\"tok_chargeDeclined\"}}" | jq -r .id)
declined() { curl -s "$API/orders/$ORDER2" -H "$(auth)" | jq -ce 'select(.payment.reason != null) | {status, payment: {reason: .payment.reason}}'; }
poll 30 declined || fail "order $ORDER2 shows no declined payment after 30 s"
curl -s -X POST "$API/payments" -H "$(auth)" -H 'content-type: application/json' \
  -H "idempotency-key: $(uuid)" \
  -d "{\"orderId\":\"$ORDER2\",\"paymentMethod\":{\"type\":\"card\",\"token\":\"tok_visa\"}}" | jq -c '{attempt, status}'
confirmed2() { curl -s "$API/orders/$ORDER2" -H "$(auth)" | jq -ce 'select(.status == "CONFIRMED" or .status == "SHIPPED" or .status == "DELIVERED") | {status}'; }
poll 30 confirmed2 || fail "order $ORDER2 not CONFIRMED after the second payment"

say 'GET /notifications'
curl -s "$API/notifications" -H "$(auth)" | jq -c '[.items[] | {template, status}]'

say "GET $MAIL/messages?to=$EMAIL (the mail catcher)"
invoice_mail() {
  curl -s "$MAIL/messages?to=$EMAIL" |
    jq -ce 'select([.items[].attachments[].filename] | length > 0) |
      {messages: (.items | length), withAttachments: [.items[] | select(.attachments | length > 0) | {subject, attachments: [.attachments[].filename]}]}'
}
poll 60 invoice_mail || fail 'no e-mail with an attachment (the invoice) in the mail catcher after 60 s'

printf '\nSESSION OK\n'
