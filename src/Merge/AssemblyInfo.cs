namespace Stackweave.Merge;
