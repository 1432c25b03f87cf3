package corpus

import (
	"fmt"
	"strings"
)

// PythonTests is a clean Python module of about n lines (at least n):
// pytest functions of a web backend, each with its own names, that compile
// and draw no pyflakes warning. The same n always gives the same text.
func PythonTests(n int) string {
	var b strings.Builder
	b.WriteString("import pytest\nfrom decimal import Decimal\n\n\n")
	lines := 4
	for i := 0; lines < n; i++ {
		fmt.Fprintf(&b, `@pytest.mark.django_db
def test_order_%[1]d(client, user_factory, product_factory):
    user = user_factory(email="user%[1]d@example.com")
    product = product_factory(name="Product %[1]d", price=Decimal("%[1]d.99"))
    order = client.post("/orders", data={"product": product.pk, "user": user.pk})
    with pytest.raises(ValueError):
        order.pay(amount=product.price * %[2]d)
    assert order.status_code == 200, order.content


`, i, i%7+1)
		lines += 10
	}
	return b.String()
}
