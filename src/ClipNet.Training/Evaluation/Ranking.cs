using TorchSharp;
using static TorchSharp.torch;
using ClipNet.Model;

namespace ClipNet.Evaluation;

/// <summary>
/// The one tie rule used by every metric here: candidates are ordered by descending score, and equal
/// scores keep their index order (lower index first), exactly as a stable sort would place them. A
/// target's rank is its 0-based position in that order, so it counts as within the top K iff rank &lt; K.
/// Ties therefore never count in a target's favour unless it has the lower index.
/// </summary>
static class Ranking
{
    /// <summary>Rank of <c>targets[i]</c> in row i of <c>scores</c> [N, M]: how many candidates score higher, plus how many tie with a lower index.</summary>
    public static Tensor RankOf(Tensor scores, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var target = targets.unsqueeze(1);
        var targetScore = scores.gather(1, target);
        var candidate = Candidates(scores);
        var ahead = scores.gt(targetScore).logical_or_(scores.eq(targetScore).logical_and_(candidate.lt(target)));
        return ahead.sum(1, type: ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rank of the best-placed of several targets per row, given as a mask [N, M]: the position of the first
    /// target in the stable descending order, i.e. the smallest <see cref="RankOf"/> among them. Each row needs at least one target.
    /// </summary>
    public static Tensor RankOfFirst(Tensor scores, Tensor isTarget)
    {
        using var scope = NewDisposeScope();
        var candidate = Candidates(scores);
        using Scalar minusInfinity = double.NegativeInfinity.ToScalar(), pastLast = scores.shape[1].ToScalar();
        var bestScore = scores.masked_fill(isTarget.logical_not(), minusInfinity).amax([1], keepdim: true);
        var firstBest = candidate.masked_fill(isTarget.logical_and(scores.eq(bestScore)).logical_not(), pastLast).amin([1], keepdim: true);
        var ahead = scores.gt(bestScore).logical_or_(scores.eq(bestScore).logical_and_(candidate.lt(firstBest)));
        return ahead.sum(1, type: ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>Index of the highest score per row of [N, M]; among equal maxima the lowest index.</summary>
    public static Tensor Top(Tensor scores)
    {
        using var scope = NewDisposeScope();
        var candidate = Candidates(scores);
        using var pastLast = scores.shape[1].ToScalar();
        var best = scores.amax([1], keepdim: true);
        return candidate.masked_fill(scores.eq(best).logical_not(), pastLast).amin([1]).MoveToOuterDisposeScope();
    }

    /// <summary>Candidate indices [1, M] of a score matrix [N, M].</summary>
    static Tensor Candidates(Tensor scores)
    {
        return TensorArithmetic.Range(scores.shape[1], scores.device).unsqueeze(0);
    }

    /// <summary>Fraction of ranks below <paramref name="k"/>; with k at least the number of candidates every target is found.</summary>
    public static double Recall(IReadOnlyList<int> ranks, int k) =>
        ranks.Count == 0 ? double.NaN : ranks.Count(rank => rank < k) / (double)ranks.Count;
}
