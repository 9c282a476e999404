import type { CatalogView } from './catalog-view.js';
import type { UserState } from './signals.js';

/** The bridge between a model's item positions and catalogue rows (-1 where one side lacks the item). */
export class ItemRows {
  readonly modelItemOfRow: Int32Array;
  readonly rowOfModelItem: Int32Array;
  /**
   * True when model item i is catalogue row i for every item the model has (a model trained on the
   * catalogue as it still is, new titles appended after it): hot paths then skip the lookups,
   * which are random reads in catalogue-sized arrays.
   */
  readonly identity: boolean;

  constructor(
    itemIds: readonly string[],
    private readonly catalog: CatalogView,
  ) {
    this.modelItemOfRow = new Int32Array(catalog.size).fill(-1);
    this.rowOfModelItem = new Int32Array(itemIds.length).fill(-1);
    itemIds.forEach((id, i) => {
      const row = catalog.rowOf(id);
      if (row === undefined) return;
      this.modelItemOfRow[row] = i;
      this.rowOfModelItem[i] = row;
    });
    this.identity = this.rowOfModelItem.every((row, i) => row === i);
  }

  /** The user's history as model item positions and preferences, for the items the model knows. */
  history(user: UserState, keep: (preference: number) => boolean = (p) => p !== 0): { items: number[]; preferences: number[] } {
    const items: number[] = [];
    const preferences: number[] = [];
    for (const interaction of user.interactions) {
      const row = this.catalog.rowOf(interaction.item_id);
      const modelItem = row === undefined ? -1 : this.modelItemOfRow[row]!;
      if (modelItem < 0 || !keep(interaction.preference)) continue;
      items.push(modelItem);
      preferences.push(interaction.preference);
    }
    return { items, preferences };
  }
}
