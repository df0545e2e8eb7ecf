// Progressive enhancement of the order page: follows the order's status live (Server-Sent Events from
// the storefront, which asks the API through the gateway) and reloads the page when it changes, so
// the invoice link or the payment form appear. Without script the page still shows the status on load.
(() => {
  const box = document.getElementById('order');
  if (box?.dataset.live !== 'yes' || !('EventSource' in window)) return;
  const source = new EventSource(`/account/orders/${encodeURIComponent(box.dataset.orderId)}/events`);
  source.addEventListener('status', (event) => {
    const { status, state } = JSON.parse(event.data);
    if (state !== box.dataset.state) {
      source.close();
      const text = document.getElementById('order-status');
      if (text) text.textContent = status;
      window.location.reload();
    }
  });
  source.addEventListener('reload', () => {
    source.close();
    window.location.reload();
  });
})();
