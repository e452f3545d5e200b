/**
 * A realistic batch payload: 1,000 order records with nested customer, address and line items,
 * dates, money amounts and strings. Deterministic (a seeded generator), so runs compare.
 */
export interface Order {
  id: string;
  number: number;
  status: 'pending' | 'paid' | 'shipped' | 'delivered' | 'refunded';
  createdAt: Date;
  updatedAt: Date;
  customer: { id: number; name: string; email: string; vip: boolean };
  shipping: { street: string; city: string; postcode: string; country: string };
  items: Array<{ sku: string; title: string; quantity: number; unitPrice: number; discount: number | null }>;
  totals: { subtotal: number; tax: number; shipping: number; total: number; currency: string };
  tags: string[];
  note: string | null;
}

export function makeOrders(count: number, seed = 42): Order[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const pick = <TItem>(list: readonly TItem[]): TItem => list[Math.floor(random() * list.length)] as TItem;
  const first = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
  const last = [
    'Lovelace',
    'Hopper',
    'Turing',
    'Dijkstra',
    'Liskov',
    'Knuth',
    'Allen',
    'Thompson',
    'Perlman',
  ];
  const cities = ['Lisbon', 'Berlin', 'Nairobi', 'Osaka', 'Toronto', 'Lima', 'Auckland', 'Oslo'];
  const products = [
    'USB-C cable',
    'Desk lamp',
    'Notebook A5',
    'Espresso beans 1kg',
    'Wool socks',
    'Headphones',
  ];
  const statuses = ['pending', 'paid', 'shipped', 'delivered', 'refunded'] as const;
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, index) => {
    const items = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
      const unitPrice = Math.round(random() * 20_000) / 100;
      return {
        sku: `SKU-${Math.floor(random() * 100_000)
          .toString()
          .padStart(5, '0')}`,
        title: pick(products),
        quantity: 1 + Math.floor(random() * 5),
        unitPrice,
        discount: random() < 0.3 ? Math.round(unitPrice * 10) / 100 : null,
      };
    });
    const subtotal =
      Math.round(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) * 100) / 100;
    const tax = Math.round(subtotal * 21) / 100;
    const name = `${pick(first)} ${pick(last)}`;
    const createdAt = new Date(base + Math.floor(random() * 300 * 86_400_000));
    return {
      id: `ord_${(index * 7_919 + 104_729).toString(36)}${Math.floor(random() * 1e9).toString(36)}`,
      number: 100_000 + index,
      status: pick(statuses),
      createdAt,
      updatedAt: new Date(createdAt.getTime() + Math.floor(random() * 86_400_000)),
      customer: {
        id: Math.floor(random() * 50_000),
        name,
        email: `${name.toLowerCase().replace(' ', '.')}@example.com`,
        vip: random() < 0.1,
      },
      shipping: {
        street: `${1 + Math.floor(random() * 200)} ${pick(last)} Street`,
        city: pick(cities),
        postcode: Math.floor(10_000 + random() * 89_999).toString(),
        country: pick(['PT', 'DE', 'KE', 'JP', 'CA', 'PE', 'NZ', 'NO']),
      },
      items,
      totals: {
        subtotal,
        tax,
        shipping: 4.95,
        total: Math.round((subtotal + tax + 4.95) * 100) / 100,
        currency: 'EUR',
      },
      tags: random() < 0.5 ? ['gift'] : [],
      note: random() < 0.2 ? 'Leave at the door, please.' : null,
    };
  });
}
