namespace ClipNet.Training;

public enum ScheduleKind
{
    /// <summary>Linear warmup, then cosine decay to zero (the CLIP paper's schedule).</summary>
    Cosine,
    /// <summary>Linear warmup, then constant.</summary>
    Constant,
    /// <summary>Linear warmup, constant, then a linear cooldown to zero over the last <see cref="LearningRateSchedule.CooldownSteps"/>.</summary>
    ConstantWithCooldown,
}

/// <summary>The learning rate as a pure function of the step, so a resumed run continues exactly.</summary>
public sealed record LearningRateSchedule(ScheduleKind Kind, double BaseRate, int WarmupSteps, int TotalSteps, int CooldownSteps = 0)
{
    /// <summary>The rate for the step about to be taken (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        switch (Kind)
        {
            case ScheduleKind.Constant:
                return BaseRate;
            case ScheduleKind.ConstantWithCooldown:
                int cooldownStart = TotalSteps - CooldownSteps;
                if (step < cooldownStart) return BaseRate;
                return BaseRate * Math.Max(0, TotalSteps - step) / Math.Max(1, CooldownSteps);
            default:
                int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
                double progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
                return 0.5 * (1 + Math.Cos(Math.PI * progress)) * BaseRate;
        }
    }
}
