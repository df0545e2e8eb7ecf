// Search (issue 15): vocabulary words by prefix. The typo tolerance treats a word no product holds as
// a misspelling, but the last word of a query may be a word still being typed ("gard" for "garden"):
// it is a prefix of vocabulary words, found through this index (byte order, a range scan).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261231000000_search_prefix extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index search_term_prefix_idx on search_term ((term collate "C"))');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists search_term_prefix_idx');
  }
}
