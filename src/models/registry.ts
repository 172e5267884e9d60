/**
 * Model families by name (the `family` of experiment candidates and of model JSON). Loading a
 * model looks its family up here and rebuilds it from plain data: nothing in a model file is
 * executed.
 */
import { NetsecError } from "../errors.ts";
import type { Classifier, ModelJson, Params } from "./classifier.ts";
import { HIST_FOREST, HistForest } from "./families/hist-forest.ts";
import { HIST_GBT, HistGbt } from "./families/hist-gbt.ts";
import { LOGISTIC_REGRESSION, LogisticRegression } from "./families/logistic-regression.ts";
import { KNN, Knn } from "./families/knn.ts";
import { NAIVE_BAYES, NaiveBayes } from "./families/naive-bayes.ts";
import { DECISION_TREE, DecisionTree } from "./families/decision-tree.ts";
import { ML_RANDOM_FOREST, MlRandomForest } from "./families/ml-forest.ts";

export interface ModelFamily {
  name: string;
  summary: string;
  /** Whether the family draws random numbers (the search then passes the experiment's seed). */
  seeded: boolean;
  create(params: Params): Classifier;
  fromJSON(json: ModelJson): Classifier;
}

const FAMILIES: ModelFamily[] = [
  { name: HIST_FOREST, summary: "random forest on binned features (ours)", seeded: true, create: (p) => new HistForest(p), fromJSON: HistForest.fromJSON },
  { name: HIST_GBT, summary: "gradient-boosted trees, logistic loss, histogram splits (ours)", seeded: false, create: (p) => new HistGbt(p), fromJSON: HistGbt.fromJSON },
  { name: LOGISTIC_REGRESSION, summary: "L2 logistic regression, Newton's method (ours)", seeded: false, create: (p) => new LogisticRegression(p), fromJSON: LogisticRegression.fromJSON },
  { name: KNN, summary: "k-nearest neighbours (ours)", seeded: false, create: (p) => new Knn(p), fromJSON: Knn.fromJSON },
  { name: NAIVE_BAYES, summary: "Gaussian naive Bayes (ml-naivebayes)", seeded: false, create: (p) => new NaiveBayes(p), fromJSON: NaiveBayes.fromJSON },
  { name: DECISION_TREE, summary: "CART decision tree (ml-cart)", seeded: false, create: (p) => new DecisionTree(p), fromJSON: DecisionTree.fromJSON },
  { name: ML_RANDOM_FOREST, summary: "random forest (ml-random-forest; slow)", seeded: true, create: (p) => new MlRandomForest(p), fromJSON: MlRandomForest.fromJSON },
];

export function modelFamilies(): readonly ModelFamily[] {
  return FAMILIES;
}

export function getFamily(name: string): ModelFamily {
  const family = FAMILIES.find((f) => f.name === name);
  if (!family) throw new NetsecError("CONFIG_INVALID", `unknown model family "${name}" (known: ${FAMILIES.map((f) => f.name).join(", ")})`);
  return family;
}

export function createModel(family: string, params: Params = {}): Classifier {
  return getFamily(family).create(params);
}

/** Rebuild a fitted model from its JSON (plain data; checked, never executed). */
export function modelFromJSON(json: ModelJson): Classifier {
  if (!json || typeof json !== "object" || typeof json.family !== "string") throw new NetsecError("MODEL_INVALID", "model JSON has no family");
  const family = FAMILIES.find((f) => f.name === json.family);
  if (!family) throw new NetsecError("MODEL_INVALID", `model family "${json.family}" is not known to this netsec`);
  if (json.formatVersion !== 1) throw new NetsecError("MODEL_INVALID", `${json.family} state format version ${json.formatVersion} is not supported (expected 1)`);
  try {
    return family.fromJSON(json);
  } catch (error) {
    throw new NetsecError("MODEL_INVALID", `${json.family} model state is damaged: ${(error as Error).message}`, { cause: error });
  }
}
